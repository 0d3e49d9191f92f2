"""The fictional municipality the demo loads: its units, schools, role logins and name lists.

Everything here is invented. Names are common Swedish names so pages look real; phone numbers
come from the series the Swedish Post and Telecom Authority (PTS) reserves for fiction, so no
real person is ever called.
"""

from dataclasses import dataclass
from typing import Final

from samverkan.access.roles import Role

DEFAULT_CODE: Final = "0999"
DEFAULT_NAME: Final = "Exempelby kommun"
PASSWORD: Final = "samverkan-demo"  # noqa: S105  # published: fictional demo accounts only
CITY: Final = "Exempelby"
STAFF_EMAIL_DOMAIN: Final = "exempelby.se"
# RFC 2606 reserves example.com: guardians' made-up addresses never reach anyone.
GUARDIAN_EMAIL_DOMAIN: Final = "example.com"

# PTS numbers for fiction: 08-465 004 00 to 08-465 004 99 and 070-174 06 05 to 070-174 06 99.
OFFICE_PHONE_PREFIX: Final = "08-465 004 "
OFFICE_PHONE_SUFFIXES: Final = range(0, 100)
MOBILE_PHONE_PREFIX: Final = "070-174 06 "
MOBILE_PHONE_SUFFIXES: Final = range(5, 100)

# Unit names used as keys while loading; unique within the demo municipality.
EDUCATION: Final = "Utbildningsförvaltningen"
SOCIAL: Final = "Socialförvaltningen"
INDEPENDENT: Final = "Fristående huvudmän"
CHILD_YOUTH: Final = "Barn- och ungdomsenheten"
INTAKE: Final = "Mottagningsgruppen barn och unga"
SCHOOL_SOCIAL_TEAM: Final = "Skolsocialt team"
FAMILY_TEAM: Final = "Familjeteamet"
REGION: Final = "Region Exempellän"
CHILD_PSYCHIATRY: Final = "BUP Exempelby"
# Teams merged into the school-social team in 2019 (R0.10): kept as ended units.
MERGED_TEAMS: Final = ("Resursteamet", "Stödteamet")

AREAS: Final = ("Norra", "Centrum", "Södra")
STREETS: Final[dict[str, tuple[str, ...]]] = {
    "Norra": (
        "Björkvägen",
        "Granstigen",
        "Tallbacken",
        "Norrgatan",
        "Ekbacksvägen",
        "Lärkstigen",
        "Skogsbrynet",
        "Vallmovägen",
        "Kvarnvägen",
        "Hagvägen",
    ),
    "Centrum": (
        "Storgatan",
        "Kyrkogatan",
        "Drottninggatan",
        "Torggatan",
        "Järnvägsgatan",
        "Skolgatan",
        "Trädgårdsgatan",
        "Ågatan",
        "Kungsgatan",
        "Rådhusgatan",
    ),
    "Södra": (
        "Sjövägen",
        "Strandvägen",
        "Ängsvägen",
        "Södra vägen",
        "Vassvägen",
        "Badvägen",
        "Hamnvägen",
        "Fyrvägen",
        "Bryggstigen",
        "Vikvägen",
    ),
}
POSTAL_CODES: Final[dict[str, tuple[str, ...]]] = {
    "Norra": ("599 41", "599 42", "599 43"),
    "Centrum": ("599 30", "599 31", "599 32"),
    "Södra": ("599 51", "599 52", "599 53"),
}

PRESCHOOL: Final = ("FS",)
PRIMARY: Final = ("FKLASS", "GR", "FTH")
LOWER_SECONDARY: Final = ("GR",)
UPPER_SECONDARY: Final = ("GY",)


@dataclass(frozen=True)
class SchoolSpec:
    name: str
    area: str
    school_types: tuple[str, ...]
    grade_from: int | None = None
    grade_to: int | None = None
    is_independent: bool = False

    @property
    def is_preschool(self) -> bool:
        return self.school_types == PRESCHOOL

    @property
    def has_student_health(self) -> bool:
        return not self.is_preschool


# The principal login `rektor` leads this school; the preschool head login `forskolechef` the other.
DEMO_SCHOOL: Final = "Centralskolan"
DEMO_PRESCHOOL: Final = "Förskolan Solrosen"

SCHOOLS: Final = (
    SchoolSpec(DEMO_SCHOOL, "Centrum", PRIMARY, 0, 9),
    SchoolSpec("Kyrkskolan", "Centrum", PRIMARY, 0, 6),
    SchoolSpec("Tornskolan", "Centrum", LOWER_SECONDARY, 7, 9),
    SchoolSpec("Friskolan Kompassen", "Centrum", PRIMARY, 0, 9, is_independent=True),
    SchoolSpec("Norrskolan", "Norra", PRIMARY, 0, 6),
    SchoolSpec("Björkhagaskolan", "Norra", PRIMARY, 0, 6),
    SchoolSpec("Norrbackaskolan", "Norra", LOWER_SECONDARY, 7, 9),
    SchoolSpec("Sjöängsskolan", "Södra", PRIMARY, 0, 6),
    SchoolSpec("Södra skolan", "Södra", PRIMARY, 0, 9),
    SchoolSpec("Montessoriskolan Lärkan", "Södra", PRIMARY, 0, 6, is_independent=True),
    SchoolSpec("Exempelby gymnasium", "Centrum", UPPER_SECONDARY, 1, 3),
    SchoolSpec("Norra gymnasiet", "Norra", UPPER_SECONDARY, 1, 3),
    SchoolSpec("Hantverksgymnasiet", "Södra", UPPER_SECONDARY, 1, 3),
    SchoolSpec("Teknikgymnasiet Exempelby", "Centrum", UPPER_SECONDARY, 1, 3, True),
    SchoolSpec(DEMO_PRESCHOOL, "Centrum", PRESCHOOL),
    SchoolSpec("Förskolan Blåklockan", "Norra", PRESCHOOL),
    SchoolSpec("Förskolan Myrstacken", "Norra", PRESCHOOL),
    SchoolSpec("Förskolan Ekorren", "Södra", PRESCHOOL),
    SchoolSpec("Förskolan Sjöstjärnan", "Södra", PRESCHOOL),
    SchoolSpec("Förskolan Regnbågen", "Centrum", PRESCHOOL, is_independent=True),
)


@dataclass(frozen=True)
class RoleLogin:
    """A login printed by `demo_logins`: one per role, at the unit where it shows the most."""

    username: str
    role: Role
    unit: str


ROLE_LOGINS: Final = (
    RoleLogin("rektor", Role.PRINCIPAL, DEMO_SCHOOL),
    RoleLogin("larare", Role.TEACHER, DEMO_SCHOOL),
    RoleLogin("kurator", Role.COUNSELLOR, DEMO_SCHOOL),
    RoleLogin("skolskoterska", Role.SCHOOL_NURSE, DEMO_SCHOOL),
    RoleLogin("skolpsykolog", Role.SCHOOL_PSYCHOLOGIST, DEMO_SCHOOL),
    RoleLogin("specialpedagog", Role.SPECIAL_EDUCATOR, DEMO_SCHOOL),
    RoleLogin("forskolechef", Role.PRESCHOOL_HEAD, DEMO_PRESCHOOL),
    RoleLogin("mottagning", Role.INTAKE_SOCIAL_WORKER, INTAKE),
    RoleLogin("teamsocionom", Role.TEAM_SOCIAL_WORKER, SCHOOL_SOCIAL_TEAM),
    RoleLogin("teamlarare", Role.TEAM_TEACHER, SCHOOL_SOCIAL_TEAM),
    RoleLogin("gruppledare", Role.WORK_LEAD, SCHOOL_SOCIAL_TEAM),
    RoleLogin("familjeombud", Role.FAMILY_COORDINATOR, FAMILY_TEAM),
    RoleLogin("natverk", Role.NETWORK_WORKER, FAMILY_TEAM),
    RoleLogin("enhetschef", Role.UNIT_HEAD, CHILD_YOUTH),
    RoleLogin("styrgrupp", Role.STEERING_GROUP_MEMBER, SOCIAL),
    RoleLogin("admin", Role.MUNICIPALITY_ADMIN, SOCIAL),
    RoleLogin("loggranskare", Role.LOG_REVIEWER, SOCIAL),
)


def username_prefix(code: str) -> str:
    """A second demo tenant (browser tests of cross-tenant denial) prefixes its usernames."""
    return "" if code == DEFAULT_CODE else f"{code}-"


def ascii_handle(text: str) -> str:
    """A readable ASCII login or e-mail local part: 'Anna Åberg' -> 'anna.aberg'."""
    ascii_text = text.lower().translate(_ASCII).replace(" ", ".")
    return "".join(c for c in ascii_text if c.isascii() and (c.isalnum() or c in ".-"))


_ASCII: Final = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u"})

GIRLS: Final = (
    "Alice", "Maja", "Vera", "Elsa", "Astrid", "Alma", "Selma", "Ella", "Wilma", "Ebba",
    "Olivia", "Saga", "Freja", "Agnes", "Stella", "Alva", "Lilly", "Signe", "Clara", "Ellie",
    "Ester", "Ines", "Nora", "Leah", "Ida", "Juni", "Matilda", "Sara", "Moa", "Emilia",
    "Tyra", "Elvira", "Linnea", "Hedda", "Majken", "Iris", "Sigrid", "Edith", "Lova", "Hanna",
    "Amira", "Nour", "Sofia", "Emma", "Julia", "Elin", "Klara", "Felicia", "Tilde", "Hilda",
)  # fmt: skip
BOYS: Final = (
    "Noah", "William", "Hugo", "Lucas", "Liam", "Oscar", "Adam", "Matteo", "Elias", "Nils",
    "Alexander", "Ludvig", "Vincent", "Leo", "Viktor", "Frans", "Theo", "Harry", "Charlie",
    "Olle", "Edvin", "August", "Isak", "Oliver", "Arvid", "Sixten", "Melvin", "Gustav", "Love",
    "Alfred", "Malte", "Viggo", "Axel", "Filip", "Emil", "Anton", "Albin", "Elton", "Sam",
    "Ali", "Omar", "Yusuf", "Mohammed", "Ibrahim", "Benjamin", "Henry", "Jack", "Folke", "Loke",
    "Valter",
)  # fmt: skip
WOMEN: Final = (
    "Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Kristina", "Emma", "Johanna", "Malin",
    "Jenny", "Linda", "Camilla", "Sofia", "Helena", "Therese", "Jessica", "Frida", "Elin", "Ida",
    "Annika", "Cecilia", "Petra", "Fatima", "Leila", "Ulrika", "Hanna", "Louise", "Maja", "Lisa",
)  # fmt: skip
MEN: Final = (
    "Erik", "Lars", "Anders", "Johan", "Per", "Karl", "Mikael", "Peter", "Fredrik", "Daniel",
    "Magnus", "Jonas", "Andreas", "Mattias", "Henrik", "Niklas", "Martin", "Marcus", "Stefan",
    "David", "Ahmed", "Mehmet", "Hassan", "Tobias", "Jakob", "Patrik", "Oskar", "Robert",
    "Joakim", "Sebastian",
)  # fmt: skip
FAMILY_NAMES: Final = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson",
    "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Olofsson", "Lindström", "Lindqvist",
    "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren", "Lundqvist",
    "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg", "Sjöberg",
    "Ali", "Wallin", "Mohammed", "Engström", "Eklund", "Danielsson", "Lundin", "Håkansson",
    "Björk", "Bergman", "Gunnarsson", "Holm", "Wikström", "Samuelsson", "Isaksson", "Fransson",
    "Bergqvist", "Nyström", "Holmberg", "Arvidsson", "Löfgren", "Söderberg", "Nyberg",
    "Blomqvist", "Claesson", "Nordström", "Ahmed", "Mårtensson", "Lundström", "Hassan",
    "Viklund", "Björklund", "Eliasson", "Pålsson", "Berggren", "Sandström", "Lund", "Nordin",
    "Ström", "Åberg", "Falk", "Ekström", "Hermansson", "Holmgren", "Hellström", "Dahlberg",
    "Hedlund", "Sundberg", "Sjögren", "Ek", "Blom", "Abrahamsson", "Martinsson", "Öberg",
    "Andreasson", "Strömberg", "Månsson", "Hansen", "Åkesson", "Dahl", "Lindholm", "Norberg",
    "Holmqvist",
)  # fmt: skip

SCHOOL_NOTES: Final[tuple[tuple[str, str], ...]] = (
    ("Frånvaro under hösten", "Eleven har haft ökad frånvaro de senaste veckorna. Mentor har "
     "kontaktat vårdnadshavare och bokat ett möte."),
    ("Samtal med mentor", "Eleven berättar att det känns jobbigt på rasterna. Vi följer upp "
     "nästa vecka."),
    ("Anpassningar i undervisningen", "Eleven får extra tid vid prov och en lugnare plats i "
     "klassrummet. Utvärderas efter fyra veckor."),
    ("Utvecklingssamtal", "Utvecklingssamtal genomfört med eleven och vårdnadshavare. Fokus på "
     "studiero och läxor."),
    ("Sen ankomst", "Eleven kommer ofta sent till första lektionen. Mentor pratar med eleven "
     "och hemmet."),
)  # fmt: skip
STUDENT_HEALTH_NOTES: Final[tuple[tuple[str, str], ...]] = (
    ("Kuratorssamtal", "Eleven har sökt kurator på egen hand. Vi har bokat in tre samtal."),
    ("Hälsosamtal", "Hälsosamtal genomfört. Eleven sover dåligt och är ofta trött i skolan."),
    ("Pedagogisk kartläggning", "Kartläggning av läsförmågan påbörjad av specialpedagog."),
    ("EHT-möte", "Ärendet togs upp på elevhälsomötet. Rektor beslutar om utredning av "
     "behov av särskilt stöd."),
)  # fmt: skip
SOCIAL_NOTES: Final[tuple[tuple[str, str], ...]] = (
    ("Första träff med familjen", "Träff med eleven och vårdnadshavare i skolan. Familjen vill "
     "ha stöd kring rutiner hemma."),
    ("Nätverksmöte", "Nätverksmöte med familjen, mentor och kurator. Överenskommelse om "
     "veckovisa avstämningar."),
    ("Uppföljning", "Insatsen följs upp. Närvaron har blivit bättre och familjen upplever mer "
     "struktur."),
    ("Planering av insats", "Vi planerar en tidsbegränsad insats under terminen tillsammans "
     "med skolans elevhälsoteam."),
)  # fmt: skip

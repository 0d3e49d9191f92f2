"""Roles a person can hold in a unit, and the groups policies reason about."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # School staff, by SS 12000's duty roles (Code_DutyRole).
    PRINCIPAL = "principal", _("Rektor")
    # The preschool head is "rektor" since 1 July 2019 (SFS 2018:608); SS 12000 keeps
    # "Förskolechef" as the dutyRole code, used only in the mapping below.
    PRESCHOOL_HEAD = "preschool_head", _("Rektor (förskola)")
    TEACHER = "teacher", _("Lärare")
    PRESCHOOL_TEACHER = "preschool_teacher", _("Förskollärare")
    CHILDCARE_WORKER = "childcare_worker", _("Barnskötare")
    COUNSELLOR = "counsellor", _("Kurator")
    SCHOOL_NURSE = "school_nurse", _("Skolsköterska")
    SCHOOL_DOCTOR = "school_doctor", _("Skolläkare")
    SCHOOL_PSYCHOLOGIST = "school_psychologist", _("Skolpsykolog")
    SPECIAL_EDUCATOR = "special_educator", _("Speciallärare/specialpedagog")
    CAREER_COUNSELLOR = "career_counsellor", _("Studie- och yrkesvägledare")
    SCHOOL_ADMINISTRATOR = "school_administrator", _("Skoladministratör")
    # Social services and joint teams.
    INTAKE_SOCIAL_WORKER = "intake_social_worker", _("Socialsekreterare, mottagning")
    TEAM_SOCIAL_WORKER = "team_social_worker", _("Socialsekreterare, team")
    TEAM_TEACHER = "team_teacher", _("Lärare i team")
    FAMILY_COORDINATOR = "family_coordinator", _("Familjeombud")
    NETWORK_WORKER = "network_worker", _("Nätverksarbetare")
    # The team's daily work lead (gruppledare, R0.7): takes in requests and assigns members.
    WORK_LEAD = "work_lead", _("Gruppledare")
    UNIT_HEAD = "unit_head", _("Enhetschef")
    # Governance and administration: no access to records about a child.
    STEERING_GROUP_MEMBER = "steering_group_member", _("Ledamot i styrgrupp")
    MUNICIPALITY_ADMIN = "municipality_admin", _("Kommunadministratör")
    LOG_REVIEWER = "log_reviewer", _("Logggranskare")


# SS 12000 dutyRole values for the school roles (used by the school-data import, roadmap #6).
SS12000_DUTY_ROLES: dict[str, str] = {
    Role.PRINCIPAL: "Rektor",
    Role.PRESCHOOL_HEAD: "Förskolechef",
    Role.TEACHER: "Lärare",
    Role.PRESCHOOL_TEACHER: "Förskollärare",
    Role.CHILDCARE_WORKER: "Barnskötare",
    Role.COUNSELLOR: "Kurator",
    Role.SCHOOL_NURSE: "Skolsköterska",
    Role.SCHOOL_DOCTOR: "Skolläkare",
    Role.SCHOOL_PSYCHOLOGIST: "Skolpsykolog",
    Role.SPECIAL_EDUCATOR: "Speciallärare/specialpedagog",
    Role.CAREER_COUNSELLOR: "Studie- och yrkesvägledare",
    Role.SCHOOL_ADMINISTRATOR: "Skoladministratör",
}

SCHOOL_ROLES = frozenset(SS12000_DUTY_ROLES)
# Student health (elevhälsan, R2.7): medical, psychological, psychosocial and special-educational
# staff led by the principal. Their records are walled off from teaching staff (OSL 23 kap. 2 §).
STUDENT_HEALTH_ROLES = frozenset(
    {
        Role.PRINCIPAL,
        Role.PRESCHOOL_HEAD,
        Role.COUNSELLOR,
        Role.SCHOOL_NURSE,
        Role.SCHOOL_DOCTOR,
        Role.SCHOOL_PSYCHOLOGIST,
        Role.SPECIAL_EDUCATOR,
    }
)
# Student health's health-care professions: their records fall under the Patient Data Act
# (PDL 4 kap. 1–3 §§) and are read only by these professions, not by the principal.
HEALTH_CARE_ROLES = frozenset({Role.SCHOOL_NURSE, Role.SCHOOL_DOCTOR, Role.SCHOOL_PSYCHOLOGIST})
# Roles whose holders lead a school and hear from social services (start page, contact notices).
SCHOOL_LEADER_ROLES = frozenset({Role.PRINCIPAL, Role.PRESCHOOL_HEAD})
INTAKE_ROLES = frozenset({Role.INTAKE_SOCIAL_WORKER})
TEAM_ROLES = frozenset(
    {
        Role.TEAM_SOCIAL_WORKER,
        Role.TEAM_TEACHER,
        Role.FAMILY_COORDINATOR,
        Role.NETWORK_WORKER,
        Role.WORK_LEAD,
    }
)
SOCIAL_SERVICES_ROLES = INTAKE_ROLES | TEAM_ROLES | {Role.UNIT_HEAD}
# Roles that see no record about a child at all (DESIGN: statistics never identify a child).
NO_CHILD_DATA_ROLES = frozenset(
    {Role.STEERING_GROUP_MEMBER, Role.MUNICIPALITY_ADMIN, Role.LOG_REVIEWER}
)

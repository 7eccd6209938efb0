"""Which roles do what with notifications, directives, duty checks and daily reports (role
names from ``core.roles``; issue 22 §3, §5, §6, §8)."""

from fangkong.core.roles import Role

#: Issue directives to the units below and send duty checks.
COMMAND_ROLES = frozenset({Role.COMMANDER})
#: See directives, duty checks and daily reports in the subtree.
READ_ROLES = frozenset({Role.COMMANDER, Role.DUTY_OFFICER, Role.INSPECTOR})
#: Act for a receiving unit: acknowledge directives and duty checks, report progress, file
#: and correct the unit's daily report.
UNIT_ROLES = frozenset({Role.COMMANDER, Role.DUTY_OFFICER})
#: Who a unit's notifications go to (its command and its officers on duty).
UNIT_RECIPIENT_ROLES = frozenset({Role.COMMANDER, Role.DUTY_OFFICER})
#: Who answers a duty check for a locality.
DUTY_ANSWER_ROLES = frozenset({Role.DUTY_OFFICER})
#: Run inspections, record findings, verify and close (销号) rectifications.
INSPECT_ROLES = frozenset({Role.INSPECTOR})

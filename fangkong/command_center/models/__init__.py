"""The command centre's models, one module per sub-domain, re-exported here."""

from fangkong.command_center.models.directives import Directive as Directive
from fangkong.command_center.models.directives import DirectiveAssignment as DirectiveAssignment
from fangkong.command_center.models.directives import DirectiveEvent as DirectiveEvent
from fangkong.command_center.models.duty import DutyCheck as DutyCheck
from fangkong.command_center.models.duty import DutyCheckAnswer as DutyCheckAnswer
from fangkong.command_center.models.meetings import Meeting as Meeting
from fangkong.command_center.models.meetings import MeetingAttendance as MeetingAttendance
from fangkong.command_center.models.notifications import Notification as Notification
from fangkong.command_center.models.notifications import NotifyContact as NotifyContact
from fangkong.command_center.models.picture import FigureRefresh as FigureRefresh
from fangkong.command_center.models.picture import NodeDayFigure as NodeDayFigure
from fangkong.command_center.models.reports import DailyReport as DailyReport
from fangkong.command_center.models.reports import MissingReport as MissingReport
from fangkong.command_center.models.reports import ReportCorrection as ReportCorrection
from fangkong.command_center.models.structure import CommandBody as CommandBody
from fangkong.command_center.models.structure import DutyLogEntry as DutyLogEntry
from fangkong.command_center.models.structure import DutyShift as DutyShift
from fangkong.command_center.models.structure import GroupMember as GroupMember
from fangkong.command_center.models.structure import Incident as Incident
from fangkong.command_center.models.structure import IncidentEscalation as IncidentEscalation
from fangkong.command_center.models.structure import WorkingGroup as WorkingGroup
from fangkong.command_center.models.supervision import Finding as Finding
from fangkong.command_center.models.supervision import FindingEvent as FindingEvent
from fangkong.command_center.models.supervision import Inspection as Inspection

"""The command centre's models, one module per sub-domain, re-exported here."""

from fangkong.command_center.models.picture import FigureRefresh as FigureRefresh
from fangkong.command_center.models.picture import NodeDayFigure as NodeDayFigure

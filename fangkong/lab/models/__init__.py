"""The screening models, one module per sub-domain (the same names as the sub-packages):
``rounds``, ``sampling``, ``transport``, ``results``, ``obligations``, ``exchange`` (result files
and export batches) and ``tallies``. Re-exported here, so ``fangkong.lab.models.Tube`` and
the migrations' ``lab.Tube`` keep working."""

from fangkong.lab.models.exchange import ResultExport as ResultExport
from fangkong.lab.models.exchange import ResultUpload as ResultUpload
from fangkong.lab.models.obligations import AntigenTest as AntigenTest
from fangkong.lab.models.obligations import Arrival as Arrival
from fangkong.lab.models.obligations import KeyGroupMember as KeyGroupMember
from fangkong.lab.models.results import LabAlert as LabAlert
from fangkong.lab.models.results import Notification as Notification
from fangkong.lab.models.results import RetestTask as RetestTask
from fangkong.lab.models.rounds import Exemption as Exemption
from fangkong.lab.models.rounds import Lab as Lab
from fangkong.lab.models.rounds import RoundArea as RoundArea
from fangkong.lab.models.rounds import SamplingPoint as SamplingPoint
from fangkong.lab.models.rounds import ScreeningRound as ScreeningRound
from fangkong.lab.models.sampling import Binding as Binding
from fangkong.lab.models.sampling import Tube as Tube
from fangkong.lab.models.sampling import TubeEvent as TubeEvent
from fangkong.lab.models.tallies import RoundTally as RoundTally
from fangkong.lab.models.tallies import RoundTallyDelta as RoundTallyDelta
from fangkong.lab.models.tallies import TubeTally as TubeTally
from fangkong.lab.models.tallies import TubeTallyDelta as TubeTallyDelta
from fangkong.lab.models.transport import Anomaly as Anomaly
from fangkong.lab.models.transport import Package as Package

from django.db import migrations

from fangkong.lab.coverage.tallies import TUBE_BACKFILL


class Migration(migrations.Migration):
    dependencies = [("lab", "0011_tube_tally")]
    operations = [migrations.RunSQL(TUBE_BACKFILL, "DELETE FROM lab_tubetally")]

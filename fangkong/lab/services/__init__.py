"""Every write of the screening chain, split by sub-domain: ``rounds`` (rounds, points, labs,
staff, exemptions), ``binding`` (tubes at the sampling point), ``transport`` (packages,
hand-over, lab receipt), ``results`` (tube results and the pooled-positive chain),
``uploads`` (result files), ``people`` (key groups, arrivals, antigen results)."""

"""Mass screening (区域核酸检测): rounds, sampling points, pooled tubes and their bindings,
packages and transport, lab receipt, results, the pooled-positive chain, coverage, key groups,
antigen results and arrival tests (domain reference §1, R7–R17, R35–R38)."""

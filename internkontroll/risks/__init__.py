"""Risk assessment: the configurable matrix, the risk register and yearly scoring."""

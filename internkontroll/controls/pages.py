"""Pages of the internal control plans."""

from litestar import Controller


class PlanPages(Controller):
    """The board's plan, its controls and decisions, the deadline overview, KS's shared points."""

    include_in_schema = False

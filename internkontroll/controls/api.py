"""JSON API of the internal control plans."""

from litestar import Controller


class PlanApi(Controller):
    """Plans, their controls and decisions, and KS's shared points."""

    tags = ["Internkontrollplan"]

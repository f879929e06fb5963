"""The one error a user sees for a scenario that cannot be used."""


class ScenarioError(Exception):
    """A scenario that cannot be used; the message is meant for the user as it stands."""

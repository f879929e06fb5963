"""What runs mean: analyses of a run's long table and of many runs over seeds.

Tables of the long series, KPIs, the run summary, the market's payoff matrix, intervention
evaluation against counterfactuals, and replications over seeds.

Everything here reads a run's long table or runs models with common random numbers; nothing
here changes the market's mechanisms.
"""

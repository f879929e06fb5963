"""`python -m linkages_sim`: the `linkages` command line."""

from linkages_sim.cli import main

main()

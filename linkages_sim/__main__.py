from linkages_sim.cli import main

main()

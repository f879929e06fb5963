"""Integer codes shared by the kernels and the code that reads their outputs."""

# customer state
PROSPECT = 0
ACTIVE = 1
LAPSED = 2

# funnel stages of a non-active customer (seed slide 33); CONVICTION shops this period
UNAWARE = 0
ATTENTION = 1
INTEREST = 2
DESIRE = 3
CONVICTION = 4

# what a customer's shopping trip came to (choice kernel: NOT_SHOPPING / OUTSIDE / offer index)
NOT_SHOPPING = -1
OUTSIDE = -2

# outcome of a period for one customer (service kernel)
NO_TRIP = 0
BOUGHT = 1  # an active customer bought again
BOUGHT_NEW = 2  # a prospect's first purchase: acquisition
BOUGHT_WON_BACK = 3  # a lapsed customer bought again: win-back
STOCKOUT = 4
NOT_CLOSED = 5
WENT_OUTSIDE = 6

# after-sales events (churn kernel): bit flags, so one customer can complain and churn at once
COMPLAINED = 1
RESOLVED = 2  # the complaint was resolved by the store (service recovery)
CHURNED = 4
SILENT = 8  # churned without having complained since becoming active

"""揭榜挂帅: enterprises post challenges with a bounty, the district publishes them, research teams
apply, experts score, the winner is noticed publicly, awarded, contracted and accepted."""

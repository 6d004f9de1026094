"""Statistics and charts read from the ledger and the libraries: the district's turnover against its
target, the conversion funnel, the challenge board, and each role's own figures, with `.xlsx` exports."""

"""事后绩效: the performance report an enterprise files after a challenge is completed or a deal is
paid in full, reviewed and rated by the district."""

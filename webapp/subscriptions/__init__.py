"""How people choose to hear of things: the settings page (a choice per category of notification),
the technical fields and keywords they follow, the daily and weekly digest e-mails with the week's
suggestions for listing owners, and the one-click unsubscribe link of every e-mail."""

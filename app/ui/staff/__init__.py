"""District staff's screens: the review queue, consultation activities, opinion follow-up."""

"""Visit review by district staff: the queue, the flags and exceptions a visit raises, confirm and reject."""

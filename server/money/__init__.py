"""Money: PDS-9's allowance settled per period (`allowance`, who served from `served`), CQ-6's travel claims
(`claims`) and work funds (`funds`); amounts are integer fen (`amounts`)."""

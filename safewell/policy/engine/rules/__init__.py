"""The rules. Each takes a `SiteBatch` and returns a `RuleResult` (candidates, and the rows
that need the previous year's tail). `RULES` lists them with the rule ids they produce."""

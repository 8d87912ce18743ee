-- spoof_bridge_follows_profile: spoof bridge rows that do not follow from their profile.
--
-- A spoof profile's profile_json holds the checks as logged ({"checks": {name: value},
-- "details": [[spoofType, name, result, [[component, subResult], ...]], ...]}). The rules
-- (docs/METRICS.md, spoof_checks.csv and spoof_details.csv): a check is evaluated when its
-- value is not empty and passed when it is Y; a detail or component listed several times is
-- evaluated when any of its values is not empty, and passed when evaluated and every
-- non-empty value is Y. The ingest applies these rules in Swift: SpoofRule in
-- Sources/VerdictCore/Rules/SpoofRule.swift. Rows missing from the bridge, rows the profile does not imply, and
-- rows with other flags are all returned, with the flags the rule gives (NULL when the row
-- should not exist) beside the stored ones (NULL when it is missing).
WITH check_rule AS (
  SELECT sp.spoof_profile_key, c.key AS check_name,
         CASE WHEN c.value <> '' THEN 1 ELSE 0 END AS evaluated, CASE WHEN c.value = 'Y' THEN 1 ELSE 0 END AS passed
  FROM dim_spoof_profile sp, json_each(sp.profile_json, '$.checks') AS c
),
detail_values AS (
  SELECT sp.spoof_profile_key, json_extract(d.value, '$[0]') AS spoof_type,
         json_extract(d.value, '$[1]') AS check_name, '' AS component,
         json_extract(d.value, '$[2]') AS value
  FROM dim_spoof_profile sp, json_each(sp.profile_json, '$.details') AS d
  UNION ALL
  SELECT sp.spoof_profile_key, json_extract(d.value, '$[0]'), json_extract(d.value, '$[1]'),
         json_extract(c.value, '$[0]'), json_extract(c.value, '$[1]')
  FROM dim_spoof_profile sp, json_each(sp.profile_json, '$.details') AS d,
       json_each(d.value, '$[3]') AS c
),
detail_rule AS (
  SELECT spoof_profile_key, spoof_type, check_name, component,
         max(CASE WHEN coalesce(value, '') <> '' THEN 1 ELSE 0 END) AS evaluated,
         CASE WHEN max(CASE WHEN coalesce(value, '') <> '' THEN 1 ELSE 0 END) = 1
               AND min(CASE WHEN coalesce(value, '') = '' OR value = 'Y' THEN 1 ELSE 0 END) = 1 THEN 1 ELSE 0 END AS passed
  FROM detail_values
  GROUP BY spoof_profile_key, spoof_type, check_name, component
),
sides AS (
  SELECT 'check' AS kind, spoof_profile_key, '' AS spoof_type, check_name, '' AS component,
         evaluated AS rule_evaluated, passed AS rule_passed, NULL AS evaluated, NULL AS passed
  FROM check_rule
  UNION ALL
  SELECT 'check', spoof_profile_key, '', check_name, '', NULL, NULL, evaluated, passed
  FROM bridge_spoof_check
  UNION ALL
  SELECT 'detail', spoof_profile_key, spoof_type, check_name, component, evaluated, passed, NULL, NULL
  FROM detail_rule
  UNION ALL
  SELECT 'detail', spoof_profile_key, spoof_type, check_name, component, NULL, NULL, evaluated, passed
  FROM bridge_spoof_detail
)
SELECT kind, spoof_profile_key, spoof_type, check_name, component,
       max(rule_evaluated) AS rule_evaluated, max(rule_passed) AS rule_passed,
       max(evaluated) AS evaluated, max(passed) AS passed
FROM sides
GROUP BY kind, spoof_profile_key, spoof_type, check_name, component
HAVING count(rule_evaluated) <> 1 OR count(evaluated) <> 1
    OR max(rule_evaluated) <> max(evaluated) OR max(rule_passed) <> max(passed)
ORDER BY kind, spoof_profile_key, spoof_type, check_name, component;

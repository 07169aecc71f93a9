-- Meeting series made before the one recurrence engine (bot/recurrence.py) on a 29th, 30th
-- or 31st skipped the months without that day (a quarterly series from 31 January fell on
-- 31 July) and a yearly one on 29 February came every four years. Their rules now fall back
-- to the month's last day, as new series do: BYMONTHDAY=28..day with BYSETPOS=-1, and a
-- yearly rule becomes every 12 months so that the fallback applies to it too.
UPDATE meeting_series
SET rrule = 'FREQ=MONTHLY;INTERVAL='
    || CASE WHEN rrule = 'FREQ=YEARLY;INTERVAL=1' THEN '12' ELSE substr(rrule, 23) END
    || ';BYMONTHDAY='
    || CASE substr(local_start, 9, 2) WHEN '29' THEN '28,29' WHEN '30' THEN '28,29,30' ELSE '28,29,30,31' END
    || ';BYSETPOS=-1'
WHERE substr(local_start, 9, 2) IN ('29', '30', '31')
  AND rrule IN ('FREQ=MONTHLY;INTERVAL=1', 'FREQ=MONTHLY;INTERVAL=3', 'FREQ=MONTHLY;INTERVAL=6', 'FREQ=YEARLY;INTERVAL=1');

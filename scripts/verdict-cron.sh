#!/usr/bin/env bash
# Verdict's daily cron job: ingest yesterday's logs, then (on the report day, Monday by
# default, and on the days after it until its mail is delivered) report last week and mail
# it once; page someone when an error alert fired.
#
# Crontab line (06:15 every day; the environment file holds the settings below):
#   15 6 * * * . /etc/verdict/cron.env && /usr/local/share/verdict/verdict-cron.sh
#
# Settings (environment):
#   VERDICT_DB     the database file                          (required)
#   LOG_DIR        where the day's logs are: every file whose name holds yesterday's
#                  date (YYYY-MM-DD) is ingested                 (required)
#   REPORT_ROOT    reports go to REPORT_ROOT/YYYY-Www          (required)
#   MAIL_TO        recipients, separated by spaces            (required)
#   SMTP_URL       smtp://HOST:PORT or smtps://HOST:PORT; unset: the local sendmail
#   SMTP_USER      the SMTP user name, if the server wants one; the password comes from
#                  VERDICT_SMTP_PASSWORD in the environment, never from this file's arguments
#   MAIL_FROM      the sender (default Verdict <verdict@HOSTNAME>)
#   PAGE_COMMAND   run with one argument, the message, when an error alert fired (exit 4)
#   REPORT_DAY     day of the week the report is made, 1 = Monday ... 7 = Sunday (default 1)
#   VERDICT        the verdict executable (default: verdict on PATH)
#
# Exit status: verdict's own (see `verdict --help`); a report whose mail failed (5) is
# retried by the next run, since a delivery is recorded only once it succeeded.
set -uo pipefail
: "${VERDICT_DB:?set VERDICT_DB}" "${LOG_DIR:?set LOG_DIR}" "${REPORT_ROOT:?set REPORT_ROOT}" "${MAIL_TO:?set MAIL_TO}"
verdict=${VERDICT:-verdict}

yesterday=$(date -u -d yesterday +%F)
shopt -s nullglob
logs=("$LOG_DIR"/*"$yesterday"*)
if ((${#logs[@]})); then
  # Another ingest (a catch-up run) may hold the database: wait for it, up to 30 minutes.
  "$verdict" ingest --quiet --wait 1800 --db "$VERDICT_DB" "${logs[@]}" || exit $?
fi

week=$(date -u -d '7 days ago' +%G-W%V)
# The report day, or a later day when that day's mail was not delivered (no record of it).
if [[ $(date -u +%u) != "${REPORT_DAY:-1}" ]]; then
  [[ -d $REPORT_ROOT/$week && ! -e $REPORT_ROOT/$week/.verdict-delivery.json ]] || exit 0
fi
mail=()
for to in $MAIL_TO; do mail+=(--mail-to "$to"); done
[[ -n ${MAIL_FROM:-} ]] && mail+=(--mail-from "$MAIL_FROM")
if [[ -n ${SMTP_URL:-} ]]; then
  mail+=(--smtp "$SMTP_URL")
  [[ -n ${SMTP_USER:-} ]] && mail+=(--smtp-user "$SMTP_USER")
else
  mail+=(--sendmail)
fi
"$verdict" report --quiet --db "$VERDICT_DB" --last-week --out "$REPORT_ROOT/$week" "${mail[@]}"
status=$?
if ((status == 4)) && [[ -n ${PAGE_COMMAND:-} ]]; then
  $PAGE_COMMAND "verdict: an error-severity alert fired in the report of $week: $REPORT_ROOT/$week/report.md"
fi
exit $status

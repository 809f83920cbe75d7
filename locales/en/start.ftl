welcome-new = Welcome, { $name }! You joined the team as { $role }. Send /help to see what I can do.
welcome-back = Hello again, { $name }! /pipeline shows the board, /today your tasks.
help =
    <b>What I can do</b>
    /lead — add a lead step by step, or in one message: /lead Name +380… 12000 UAH
    /pipeline — the board: leads and value per stage
    /report — reports with charts: win/loss, funnel, time in stage, forecast, sources, reps, lost reasons
    /find text — find a lead by name, phone (or its last digits), e-mail or #tag
    /today — my tasks for today and overdue ones
    /settings — language, time zone, notifications
    /invite, /team, /stages — invite people, manage the team and the stages
    /segments, /export, /duplicates — saved filters, your data as a file, customers who look like the same person
    /teams, /fields, /rules, /webhooks, /forms, /delivery — admins: teams, custom fields, automation rules, outgoing webhooks, web forms, messages waiting to go out
    /cancel — stop what you are typing
    Forward a customer's message or share a contact to start a lead from it.
cancelled = Cancelled.
nothing-to-cancel = There is nothing to cancel.

command-lead = Add a lead
command-pipeline = Pipeline board
command-today = My tasks for today
command-find = Find a lead
command-settings = Language, time zone, notifications
command-invite = Invite someone to the team
command-stages = Pipeline stages
command-team = The team and their access
command-help = What the bot can do
command-cancel = Stop what I am typing

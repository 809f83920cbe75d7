welcome-new = Welcome, { $name }! You joined the team as { $role }. Send /help to see what I can do.
welcome-back = Hello again, { $name }! /pipeline shows the board, /today your tasks.
help =
    <b>What I can do</b>
    /lead Name +380… 12000 UAH — add a lead in one message
    /pipeline — the board: leads and value per stage
    /cancel — stop what you are typing
cancelled = Cancelled.
nothing-to-cancel = There is nothing to cancel.

command-lead = Add a lead
command-pipeline = Pipeline board
command-today = My tasks for today
command-find = Find a lead
command-settings = Language, time zone, notifications
command-help = What the bot can do
command-cancel = Stop what I am typing

# The default pipeline and its stages, named in each reader's language until an admin renames them.

pipeline-default-sales = Sales
stage-default-new = New
stage-default-qualified = Qualified
stage-default-proposal = Proposal
stage-default-won = Won
stage-default-lost = Lost

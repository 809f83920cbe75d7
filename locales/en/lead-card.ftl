# Stage buttons of the lead card: what else shows why a deal was lost.

found-stage-lost = { $stage }: { $reason }

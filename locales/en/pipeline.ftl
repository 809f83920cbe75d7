board-title = 📊 <b>{ $pipeline }</b>: { $count ->
    [one] { $count } lead
   *[other] { $count } leads
}
board-stage = <b>{ $stage }</b> ({ $probability }%): { $count } · { $total } · weighted { $weighted }
board-stage-button = { $stage } ({ $count })
stage-list-title = <b>{ $stage }</b>: { $count ->
    [one] { $count } lead
   *[other] { $count } leads
}, page { $page } of { $pages }

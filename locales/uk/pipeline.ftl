board-title = 📊 <b>{ $pipeline }</b>: { $count ->
    [one] { $count } лід
    [few] { $count } ліди
   *[many] { $count } лідів
}
board-stage = <b>{ $stage }</b> ({ $probability }%): { $count } · { $total } · з урахуванням імовірності { $weighted }
board-stage-button = { $stage } ({ $count })
stage-list-title = <b>{ $stage }</b>: { $count ->
    [one] { $count } лід
    [few] { $count } ліди
   *[many] { $count } лідів
}, сторінка { $page } з { $pages }

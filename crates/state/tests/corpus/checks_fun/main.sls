fun_onlyif_true:
  test.succeed_with_changes:
    - onlyif:
      - fun: test.true
fun_onlyif_false:
  test.succeed_with_changes:
    - onlyif:
      - fun: test.false
fun_unless_true:
  test.succeed_with_changes:
    - unless:
      - fun: test.true
fun_unless_echo:
  test.succeed_with_changes:
    - unless:
      - fun: test.echo
        text: ''
no_fun:
  test.succeed_with_changes:
    - onlyif:
      - nofun: x
cwd_used:
  test.succeed_with_changes:
    - cwd: /
    - onlyif: test "$(pwd)" = /
bad_type:
  test.succeed_with_changes:
    - onlyif:
      - 5

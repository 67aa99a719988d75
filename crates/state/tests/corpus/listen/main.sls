changer:
  test.succeed_with_changes: []
quiet:
  test.succeed_without_changes: []
listener:
  test.succeed_without_changes:
    - listen:
      - test: changer
listener_quiet:
  test.succeed_without_changes:
    - listen:
      - quiet
listen_in_source:
  test.succeed_with_changes:
    - listen_in:
      - test: listen_in_target
listen_in_target:
  test.nop: []
listen_missing:
  test.nop:
    - listen:
      - test: nothing_here

changer:
  test.succeed_with_changes: []
quiet:
  test.succeed_without_changes: []
watcher:
  test.succeed_without_changes:
    - comment: This is a custom comment
    - watch:
      - test: changer
      - test: quiet
watcher_quiet:
  test.succeed_without_changes:
    - watch:
      - quiet
watcher_with_changes:
  test.succeed_with_changes:
    - watch:
      - changer
watched_in_source:
  test.succeed_with_changes:
    - watch_in:
      - test: watched_in_target
watched_in_target:
  test.nop: []
cmd_watcher:
  cmd.run:
    - name: echo watched
    - watch:
      - changer
cmd_wait:
  cmd.wait:
    - name: echo waited
    - watch:
      - changer
failed_watch:
  test.fail_with_changes: []
watch_failed:
  test.nop:
    - watch:
      - failed_watch
watch_any:
  test.succeed_without_changes:
    - watch_any:
      - failed_watch
      - changer

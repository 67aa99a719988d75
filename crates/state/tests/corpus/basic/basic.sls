succeed_no_changes:
  test.succeed_without_changes: []
succeed_changes:
  test.succeed_with_changes:
    - comment: custom comment
fail_no_changes:
  test.fail_without_changes: []
fail_changes:
  test.fail_with_changes: []
nothing:
  test.nop:
    - something: else
notify:
  test.show_notification:
    - text: Hello there
configurable:
  test.configurable_test_state:
    - changes: False
    - result: True
    - comment: configured
configurable_warn:
  test.configurable_test_state:
    - warnings: careful
configurable_fail_test:
  test.configurable_test_state:
    - result: False
    - allow_test_mode_failure: True
notify_missing_text:
  test.show_notification: []
missing_function:
  test.no_such_function: []
missing_module:
  nosuchmod.run: []
run a command:
  cmd.run:
    - name: echo hello && echo err >&2
    - cwd: /tmp
run a failing command:
  cmd.run:
    - name: exit 3
bad cwd:
  cmd.run:
    - name: 'true'
    - cwd: /nonexistent/dir

retried:
  test.fail_without_changes:
    - retry:
        attempts: 2
        interval: 0
retry_ok:
  test.succeed_without_changes:
    - retry: {attempts: 3, interval: 0, until: True}
check_cmd_fail:
  cmd.run:
    - name: echo checked
    - check_cmd: 'false'
check_cmd_ok:
  cmd.run:
    - name: exit 1
    - check_cmd:
      - 'true'

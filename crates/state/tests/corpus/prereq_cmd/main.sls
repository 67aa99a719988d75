stop_before_change:
  cmd.run:
    - name: echo stopping
    - prereq:
      - cmd: change_file
change_file:
  cmd.run:
    - name: echo changing
no_stop:
  cmd.run:
    - name: echo not stopping
    - prereq:
      - cmd: unchanged_file
unchanged_file:
  cmd.run:
    - name: echo unchanged
    - unless: 'true'
prereq_fails:
  cmd.run:
    - name: exit 1
    - prereq:
      - test: after_failed_prereq
after_failed_prereq:
  test.succeed_with_changes: []

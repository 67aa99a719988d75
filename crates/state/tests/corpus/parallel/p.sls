a:
  cmd.run:
    - name: echo a
    - parallel: True
b:
  test.succeed_with_changes:
    - parallel: True
c:
  test.nop:
    - require:
      - a
      - b
skipped_parallel:
  test.succeed_with_changes:
    - parallel: True
    - onlyif: 'false'

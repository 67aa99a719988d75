s0:
  test.fail_with_changes:
    - onfail:
      - test: s3
    - onchanges_any:
      - test: s1
s1:
  test.succeed_without_changes:
    - order: last
    - listen_in:
      - s0
s2:
  test.succeed_with_changes:
    - require:
      - s3
s3:
  test.succeed_without_changes:
    - comment: plain
s4:
  test.succeed_without_changes:
    - order: -1

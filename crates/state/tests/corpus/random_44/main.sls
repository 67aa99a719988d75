s0:
  test.fail_without_changes:
    - watch:
      - test: s2
    - watch_in:
      - s5
s1:
  test.fail_without_changes:
    - prereq:
      - s5
      - s4
s2:
  test.succeed_without_changes:
    - comment: plain
s3:
  test.fail_without_changes:
    - order: last
    - onchanges_in:
      - test: s5
s4:
  test.fail_with_changes:
    - order: 2
    - onchanges_in:
      - s2
      - test: s2
    - onchanges_in:
      - test: s0
      - s0
s5:
  test.fail_without_changes:
    - listen_in:
      - s0
      - s0
    - listen_in:
      - s3

include:
  - lib
exclude:
  - id: lib_two_0
main_0:
  cmd.run:
    - name: echo main_0
    - onlyif: 'true'
    - prereq:
      - lib_two_0
main_1:
  test.succeed_with_changes:
    - watch_in:
      - lib_0
main_2:
  test.succeed_with_changes:
    - names:
      - main_2_x
      - main_2_y:
        - comment: y
    - watch:
      - sls: lib.one

include:
  - .one
  - lib.two
lib_0:
  test.nop:
    - names:
      - lib_0_x
      - lib_0_y:
        - comment: y
    - onfail:
      - main_0
lib_1:
  test.succeed_without_changes:
    - comment: plain
lib_2:
  cmd.run:
    - name: echo lib_2
    - onlyif: 'false'

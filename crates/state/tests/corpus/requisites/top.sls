base:
  '*':
    - requisites

# An interactive shell; leave with "exit" (or Ctrl-a x).
echo "aggmon guest shell: try 'aggmon gauge list'; 'exit' powers off"
setsid cttyhack sh

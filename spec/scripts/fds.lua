-- The open fds of a process: their count, and fd -> what it points to.
-- The pipe io.popen reads through is left out: the parent may not yet have
-- closed its other end when ls looks.
return function(pid)
  local p = io.popen('readlink /proc/$$/fd/1; ls -l /proc/' .. (pid or process.pid) .. '/fd')
  local own = p:read('l')
  local list, n = {}, 0
  for fd, target in p:read('a'):gmatch('(%d+) %-> ([^\n]*)') do
    if target ~= own then list[tonumber(fd)] = target; n = n + 1 end
  end
  p:close()
  return n, list
end

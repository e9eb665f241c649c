#!/usr/bin/env escript
%% A gen_tcp {packet,4} echo server for tests/preload/servers.sh:
%%   echo4.escript PORT
%% Listens on 127.0.0.1:PORT, prints "listening", serves each connection
%% in its own process: every frame received is sent back as one frame.
main([Port]) ->
    {ok, L} = gen_tcp:listen(list_to_integer(Port),
                             [binary, {packet, 4}, {active, false},
                              {reuseaddr, true}, {ip, {127, 0, 0, 1}}]),
    io:format("listening~n"),
    accept(L).

accept(L) ->
    case gen_tcp:accept(L) of
        {ok, S} ->
            P = spawn(fun() -> receive go -> echo(S) end end),
            ok = gen_tcp:controlling_process(S, P),
            P ! go;
        {error, _} ->
            ok
    end,
    accept(L).

echo(S) ->
    case gen_tcp:recv(S, 0) of
        {ok, B} ->
            ok = gen_tcp:send(S, B),
            echo(S);
        {error, _} ->
            gen_tcp:close(S)
    end.

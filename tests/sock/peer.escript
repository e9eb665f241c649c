#!/usr/bin/env escript
%% A real gen_tcp peer for tests/test_sock_erlang.c (OTP's inet_drv, the
%% model wirerig follows). One conversation per run, on 127.0.0.1:
%%   peer.escript server PACKET       listen, print "PORT n", accept
%%   peer.escript client PORT PACKET  connect
%% PACKET is 1, 2, 4, line or http. With 1/2/4/line the peer takes three
%% messages with {active, once}, answering each with "re:" ++ Data, then
%% waits for the close. With http it is the HTTP server or client of one
%% request. Every message it gets is printed in the test's notation
%% (tcp "..." / http http_request "GET" / tcp_closed), quoted as
%% tests/testutil.c quotes, so the C side compares text.
-mode(compile).

main(["server", P]) ->
    Packet = packet(P),
    {ok, L} = gen_tcp:listen(0, [binary, {active, false}, {packet, Packet},
                                 {ip, {127, 0, 0, 1}}]),
    {ok, Port} = inet:port(L),
    io:format("PORT ~p~n", [Port]),
    {ok, S} = gen_tcp:accept(L, 10000),
    run(S, Packet, server),
    halt(0);
main(["client", PortS, P]) ->
    Packet = packet(P),
    {ok, S} = gen_tcp:connect({127, 0, 0, 1}, list_to_integer(PortS),
                              [binary, {active, false}, {packet, Packet}],
                              10000),
    run(S, Packet, client),
    halt(0).

packet("line") -> line;
packet("http") -> http_bin;
packet(N) -> list_to_integer(N).

run(S, http_bin, server) ->
    [next(S) || _ <- [request, host, eoh]],
    ok = gen_tcp:send(S, <<"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi">>),
    next(S);
run(S, http_bin, client) ->
    ok = gen_tcp:send(S, <<"GET /x HTTP/1.1\r\nHost: h\r\n\r\n">>),
    [next(S) || _ <- [response, length, eoh]],
    ok = inet:setopts(S, [{packet, raw}]),
    {ok, Body} = gen_tcp:recv(S, 2, 10000),
    io:format("body ~s~n", [quote(Body)]),
    gen_tcp:close(S);
run(S, _Packet, _Role) ->
    [begin
         {tcp, S, D} = next(S),
         ok = gen_tcp:send(S, <<"re:", D/binary>>)
     end || _ <- [1, 2, 3]],
    next(S).

%% One message with {active, once}, printed.
next(S) ->
    ok = inet:setopts(S, [{active, once}]),
    receive
        {tcp, S, D} = M -> io:format("tcp ~s~n", [quote(D)]), M;
        {http, S, H} = M -> io:format("http ~s~n", [http(H)]), M;
        {tcp_closed, S} = M -> io:format("tcp_closed~n"), M;
        {tcp_error, S, R} = M -> io:format("tcp_error ~p~n", [R]), M
    after 10000 ->
        io:format("timeout~n"), halt(2)
    end.

http({http_request, M, _Uri, _V}) ->
    ["http_request ", quote(bin(M))];
http({http_response, _V, Code, _Reason}) ->
    ["http_response ", integer_to_list(Code)];
http({http_header, _, Field, _, Value}) ->
    ["http_header ", quote(bin(Field)), " ", quote(bin(Value))];
http(http_eoh) -> "http_eoh";
http({http_error, Line}) -> ["http_error ", quote(bin(Line))].

bin(A) when is_atom(A) -> atom_to_binary(A);
bin(L) when is_list(L) -> list_to_binary(L);
bin(B) -> B.

quote(B) -> [$", [q(C) || <<C>> <= B], $"].
q($") -> "\\\"";
q($\\) -> "\\\\";
q($\r) -> "\\r";
q($\n) -> "\\n";
q($\t) -> "\\t";
q(C) when C >= 32, C < 127 -> C;
q(C) -> io_lib:format("\\x~2.16.0b", [C]).

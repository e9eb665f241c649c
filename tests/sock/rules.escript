#!/usr/bin/env escript
%% The gen_tcp behaviours the socket model took from experiments (the
%% "checked against OTP 25" notes of docs/semantics.md), asserted against
%% the installed Erlang (OTP 25, inet_drv): if Erlang changes, this fails
%% and the model needs a look.
%% Each check is a pattern match; a mismatch crashes with the values.
-mode(compile).

pair(Opts) ->
    {ok, L} = gen_tcp:listen(0, [binary, {active, false},
                                 {ip, {127, 0, 0, 1}} | Opts]),
    {ok, P} = inet:port(L),
    {ok, C} = gen_tcp:connect("127.0.0.1", P, [binary, {active, false}]),
    {ok, S} = gen_tcp:accept(L),
    gen_tcp:close(L),
    {C, S}.

flush() -> receive M -> [M | flush()] after 200 -> [] end.

move(S) ->
    Self = self(),
    Pid = spawn(fun() -> receive go -> Self ! {moved, flush()} end end),
    R = gen_tcp:controlling_process(S, Pid),
    Pid ! go,
    receive {moved, Mv} -> {R, Mv, flush()} end.

main(_) ->
    %% Option ranges (sockopt.c).
    {C, S} = pair([]),
    Set = fun(O) -> inet:setopts(C, [O]) end,
    ok = Set({buffer, -1}),
    {ok, [{buffer, 1}]} = inet:getopts(C, [buffer]),
    {error, einval} = Set({header, -1}),
    {error, einval} = Set({packet_size, -1}),
    {error, einval} = Set({send_timeout, -1}),
    ok = Set({send_timeout, 0}),
    ok = Set({high_watermark, -1}),
    ok = Set({line_delimiter, 256}),
    {error, einval} = Set({active, 32768}),
    {error, einval} = Set({backlog, 5}),
    {error, einval} = Set({exit_on_close, 1}),
    {error, einval} = Set({line_length, 5}),
    ok = gen_tcp:close(C),
    %% Use after close.
    {error, einval} = inet:setopts(C, [{active, true}]),
    {error, einval} = inet:getopts(C, [active]),
    {error, closed} = gen_tcp:send(C, <<"x">>),
    {error, closed} = gen_tcp:recv(C, 0, 0),
    ok = gen_tcp:close(C),
    gen_tcp:close(S),

    %% controlling_process moves tcp (and tcp_closed), not tcp_passive,
    %% http or tcp_error; a closed port answers closed.
    {C1, S1} = pair([{packet, 2}]),
    ok = gen_tcp:send(C1, <<0, 1, $a, 0, 1, $b>>),
    timer:sleep(100),
    ok = inet:setopts(S1, [{active, 1}]),
    timer:sleep(100),
    {ok, [{tcp, S1, <<"a">>}], [{tcp_passive, S1}]} = move(S1),
    {C2, S2} = pair([{packet, http_bin}]),
    ok = gen_tcp:send(C2, <<"GET / HTTP/1.0\r\n\r\n">>),
    timer:sleep(50),
    ok = inet:setopts(S2, [{active, true}]),
    timer:sleep(100),
    {ok, [], [{http, S2, _}, {http, S2, http_eoh}]} = move(S2),
    {C3, S3} = pair([{packet, 2}, {packet_size, 3}, {exit_on_close, false}]),
    ok = gen_tcp:send(C3, <<0, 1, $a, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9>>),
    timer:sleep(50),
    ok = inet:setopts(S3, [{active, true}]),
    timer:sleep(100),
    ok = gen_tcp:send(C3, <<"z">>),
    timer:sleep(100),
    {ok, [{tcp, S3, <<"a">>}, {tcp_closed, S3}],
     [{tcp_error, S3, emsgsize}]} = move(S3),
    {C4, S4} = pair([]),
    ok = inet:setopts(S4, [{active, true}]),
    gen_tcp:close(C4),
    timer:sleep(100),
    [{tcp_closed, S4}] = flush(),
    {error, closed} = gen_tcp:controlling_process(S4, spawn(fun() -> ok end)),

    %% A reset nobody read: send reports it once, then enotconn; recv
    %% still reports it.
    {C5, S5} = pair([]),
    ok = inet:setopts(C5, [{linger, {true, 0}}]),
    gen_tcp:close(C5),
    timer:sleep(100),
    {error, closed} = gen_tcp:send(S5, <<"x">>),
    {error, enotconn} = gen_tcp:send(S5, <<"y">>),
    {error, closed} = gen_tcp:recv(S5, 0, 100),
    {C6, S6} = pair([{show_econnreset, true}]),
    ok = inet:setopts(C6, [{linger, {true, 0}}]),
    gen_tcp:close(C6),
    timer:sleep(100),
    {error, econnreset} = gen_tcp:send(S6, <<"x">>),
    {error, enotconn} = gen_tcp:send(S6, <<"y">>),
    {error, econnreset} = gen_tcp:recv(S6, 0, 100),

    %% A reset with exit_on_close false: the port stays.
    {C7, S7} = pair([{show_econnreset, true}, {exit_on_close, false}]),
    ok = inet:setopts(C7, [{linger, {true, 0}}]),
    gen_tcp:close(C7),
    timer:sleep(50),
    ok = inet:setopts(S7, [{active, true}]),
    timer:sleep(100),
    [{tcp_error, S7, econnreset}, {tcp_closed, S7}] = flush(),
    {error, econnreset} = gen_tcp:send(S7, <<"q">>),
    {error, enotconn} = gen_tcp:send(S7, <<"q">>),

    %% A send that finds the port busy is queued and times out too.
    {C8, S8} = pair([]),
    ok = inet:setopts(C8, [{send_timeout, 200}, {high_watermark, 1000},
                           {low_watermark, 500}]),
    Big = binary:copy(<<"a">>, 8000000),
    ok = gen_tcp:send(C8, Big),
    {error, timeout} = gen_tcp:send(C8, <<"b">>),
    {error, timeout} = gen_tcp:send(C8, <<"c">>),
    gen_tcp:close(S8),
    io:format("ok~n"),
    halt(0).

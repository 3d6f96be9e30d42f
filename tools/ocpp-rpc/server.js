// A second, independent OCPP 1.6-J Central System for the tests: the npm package ocpp-rpc
// (pinned in package-lock.json) serving with strictMode on, so every call the station sends
// and every answer it gives to our calls is validated against ocpp-rpc's own OCPP 1.6 schemas.
//
//   node tools/ocpp-rpc/server.js [--port N] [--heartbeat S]
//
// stdout: one JSON object per line --
//   {"event":"listening","port":N}
//   {"event":"connected","identity":"CP001","protocol":"ocpp1.6"}
//   {"event":"call","action":"BootNotification","params":{...}}        a call from the station
//   {"event":"result","action":"GetConfiguration","result":{...}}     answer to a call of ours
//   {"event":"callError","action":"...","error":"..."}                our call failed
//   {"event":"strictValidationFailure","error":"..."}                  ocpp-rpc rejected a message
//   {"event":"badMessage","error":"..."}, {"event":"disconnected","code":N}
// stdin: one call to send to the last connected station per line, `ACTION {json params}`,
// e.g. `RemoteStartTransaction {"idTag":"ABC","connectorId":1}`.
'use strict';

const readline = require('readline');
const { RPCServer, createRPCError } = require('ocpp-rpc');
// The command line and the JSON-line events, as the interoperability servers have them.
const { option, emit } = require('../interop/common.js');

function describe(error) {
    const details = error && error.details ? ' ' + JSON.stringify(error.details) : '';
    return String(error && error.message || error) + details;
}

const heartbeatS = option('heartbeat', 30);
let nextTransactionId = 1;
let station = null;

const now = () => new Date().toISOString();
const accepted = { idTagInfo: { status: 'Accepted' } };
const handlers = {
    BootNotification: () => ({ status: 'Accepted', currentTime: now(), interval: heartbeatS }),
    Heartbeat: () => ({ currentTime: now() }),
    StatusNotification: () => ({}),
    Authorize: () => accepted,
    StartTransaction: () => ({ transactionId: nextTransactionId++, ...accepted }),
    MeterValues: () => ({}),
    StopTransaction: () => accepted,
};

const server = new RPCServer({ protocols: ['ocpp1.6'], strictMode: true });

server.on('client', (client) => {
    station = client;
    emit({ event: 'connected', identity: client.identity, protocol: client.protocol });
    client.on('strictValidationFailure', ({ error }) => {
        emit({ event: 'strictValidationFailure', error: describe(error) });
    });
    client.on('badMessage', ({ error }) => emit({ event: 'badMessage', error: describe(error) }));
    client.on('close', ({ code }) => {
        if (station === client) station = null;
        emit({ event: 'disconnected', code });
    });
    client.handle(({ method, params }) => {
        emit({ event: 'call', action: method, params });
        const handler = handlers[method];
        if (!handler) throw createRPCError('NotImplemented', 'not answered by this validator');
        return handler(params);
    });
});

async function send(line) {
    const space = line.indexOf(' ');
    const action = space < 0 ? line : line.slice(0, space);
    let params = {};
    try {
        if (space >= 0) params = JSON.parse(line.slice(space + 1));
    } catch (error) {
        emit({ event: 'callError', action, error: 'bad JSON: ' + error.message });
        return;
    }
    if (!station) {
        emit({ event: 'callError', action, error: 'no station connected' });
        return;
    }
    try {
        emit({ event: 'result', action, result: await station.call(action, params) });
    } catch (error) {
        emit({ event: 'callError', action, error: describe(error) });
    }
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim()) send(line.trim());
}).on('close', () => server.close({ force: true }).then(() => process.exit(0)));

server.listen(option('port', 0), '127.0.0.1').then((http) => {
    emit({ event: 'listening', port: http.address().port });
});

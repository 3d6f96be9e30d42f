// The OcppServer of the npm package ocpp-ts (pinned in package-lock.json) for the station's
// interoperability tests. It checks every call the station makes against its own OCPP 1.6
// JSON schemas with Ajv and answers one that fails them with a FormationViolation CALLERROR
// (reported here as `rejected`); the station's answers to our calls are checked against the
// same package's response schemas, compiled as ocpp-ts compiles its own
// (`validationFailure`). Events and stdin: tools/interop/common.js.
'use strict';

const http = require('http');
const Ajv = require('ajv');
const { OcppServer } = require('ocpp-ts');
const schemas = require('ocpp-ts/dist/src/impl/schemas').default;
const { option, emit, describe, answers, serveCalls } = require('../common');

const CALL = 2;
const CALLERROR = 4;
const answer = answers(option('heartbeat', 30), 2001);
let station = null;

// OcppServer.listen(port) listens on every interface and keeps its http.Server to itself:
// the tests stay on loopback and need to know the port 0 gave.
const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (port) {
    this.once('listening', () => emit({ event: 'listening', port: this.address().port }));
    return listen.call(this, port, '127.0.0.1');
};

function schemaErrors(name, payload) {
    // As ocpp-ts does for the calls it receives: Ajv 6 without the draft-04 $schema line.
    const { $schema, ...schema } = schemas[name];
    const validate = new Ajv().compile(schema);
    return validate(payload) ? null : validate.errors;
}

/** Reports each CALLERROR ocpp-ts sends in answer to one of the station's calls. */
function watchRejections(socket) {
    const pending = new Map();  // the message id of a station's call -> its action
    // Before ocpp-ts's own listener, which answers a call that fails its schemas at once.
    socket.prependListener('message', (data) => {
        try {
            const [type, id, action] = JSON.parse(data.toString());
            if (type === CALL) pending.set(id, action);
        } catch (error) {
            // ocpp-ts reports a frame it cannot parse itself (console.error: an output line)
        }
    });
    const send = socket.send.bind(socket);
    socket.send = (data, ...rest) => {
        const [type, id, errorCode, errorDescription, errorDetails] = JSON.parse(data);
        if (pending.has(id) && type !== CALL) {
            if (type === CALLERROR) {
                emit({ event: 'rejected', action: pending.get(id),
                       error: errorCode + ': ' + errorDescription, details: errorDetails });
            }
            pending.delete(id);
        }
        return send(data, ...rest);
    };
}

const server = new OcppServer();

server.on('connection', (client) => {
    station = client;
    const { socket } = client.connection;  // the ws WebSocket under ocpp-ts's Protocol
    watchRejections(socket);
    emit({ event: 'connected', identity: client.getCpId(), protocol: socket.protocol });
    for (const action of Object.keys(answer)) {
        client.on(action, (params, respond) => {
            const payload = answer[action](params);
            emit({ event: 'call', action, params, answer: payload });
            respond(payload);
        });
    }
    client.on('error', (error) => emit({ event: 'badMessage', error: describe(error) }));
    client.on('close', (code) => {
        if (station === client) station = null;
        emit({ event: 'disconnected', identity: client.getCpId(), code });
    });
});

async function send(action, params) {
    if (!station) throw new Error('no station connected');
    const result = await station.callRequest(action, params);
    const errors = schemaErrors(action + 'Response', result);
    if (errors) emit({ event: 'validationFailure', action, error: JSON.stringify(errors) });
    return result;
}

serveCalls(send, () => process.exit(0));
server.listen(0);

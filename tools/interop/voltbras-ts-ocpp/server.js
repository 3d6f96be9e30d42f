// The CentralSystem of the npm package @voltbras/ts-ocpp (pinned in package-lock.json) for
// the station's interoperability tests. It checks every call the station makes against its
// own OCPP 1.6 JSON schemas (rejectInvalidRequests, its default: a call that fails them is
// answered with a CALLERROR and reported here as `rejected`); the station's answers to our
// calls are checked against the same package's response schemas (`validationFailure`).
// Events and stdin: tools/interop/common.js.
'use strict';

const { CentralSystem } = require('@voltbras/ts-ocpp');
const { centralSystemActions } = require('@voltbras/ts-ocpp/dist/messages/cs');
const { validateMessageResponse } = require('@voltbras/ts-ocpp/dist/messages/validation');
const { option, emit, describe, answers, serveCalls } = require('../common');

const CALLERROR = 4;
const answer = answers(option('heartbeat', 30), 1001);
const pending = new Map();  // the message id of a station's call -> its action
let stationId = null;

function handle(request) {
    const { action, ocppVersion, ...params } = request;
    if (!answer[action]) throw new Error(action + ' is not answered by this Central System');
    const payload = answer[action](params);
    emit({ event: 'call', action, params, answer: payload });
    return { action, ocppVersion, ...payload };
}

function observe(initiator, type, message) {
    if (initiator !== 'chargepoint') return;
    if (type === 'request') {
        pending.set(message.id, message.action);
        return;
    }
    const action = pending.get(message.id);
    pending.delete(message.id);
    if (message.type === CALLERROR) {
        emit({ event: 'rejected', action, error: message.errorDescription,
               details: message.errorDetails });
    }
}

const centralSystem = new CentralSystem(0, handle, {
    host: '127.0.0.1',
    onWebsocketRequestResponse: observe,
    onWebsocketError: (error) => emit({ event: 'badMessage', error: describe(error) }),
});

centralSystem.addConnectionListener((identity, status) => {
    if (status === 'connected') {
        stationId = identity;
        emit({ event: 'connected', identity });
    } else {
        if (stationId === identity) stationId = null;
        emit({ event: 'disconnected', identity });
    }
});

async function send(action, params) {
    if (!stationId) throw new Error('no station connected');
    const answered = await centralSystem.sendRequest({
        ocppVersion: 'v1.6-json', chargePointId: stationId, action, payload: params,
    }).run();
    if (answered.isLeft()) throw answered.extract();
    const result = answered.extract();
    const checked = validateMessageResponse(action, result, centralSystemActions);
    if (checked.isLeft()) {
        emit({ event: 'validationFailure', action, error: describe(checked.extract()) });
    }
    return result;
}

serveCalls(send, () => centralSystem.close());

// The constructor listens on the port it is given and has no way to tell which one 0 gave:
// its http.Server, a private field, does.
const http = centralSystem.httpServer;
const listening = () => emit({ event: 'listening', port: http.address().port });
if (http.listening) listening(); else http.once('listening', listening);

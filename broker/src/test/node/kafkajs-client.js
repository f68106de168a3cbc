// kafkajs, a Kafka client of its own written in JavaScript, against a Skein cluster over SASL_SSL with
// SCRAM-SHA-512; run by SecureLocalClusterTest, which checks what it prints against the cluster.
//
//   node kafkajs-client.js round-trip BOOTSTRAP CA_FILE USER PASSWORD TOPIC GROUP COUNT
//       as an admin: creates TOPIC (3 partitions, replication factor 3) and lists the topics; produces
//       COUNT records (acks=all); consumes them in GROUP, committing each; reads the group's offsets back.
//       Prints one line of JSON: {"created", "topics", "values", "offsets"}.
//   node kafkajs-client.js login BOOTSTRAP CA_FILE USER PASSWORD
//       logs in and lists the topics; prints {"topics"} or, refused, {"error": NAME, "message": TEXT}.
'use strict';
const fs = require('fs');
const { Kafka, logLevel } = require('kafkajs');

// The consumer's deadline: the test's own is longer, so that it reads what was consumed by then.
const CONSUME_WITHIN_MS = 120000;

function client(bootstrap, caFile, username, password, retries) {
  return new Kafka({
    clientId: 'skein-kafkajs-test',
    brokers: bootstrap.split(','),
    ssl: { ca: [fs.readFileSync(caFile, 'utf8')] },
    sasl: { mechanism: 'scram-sha-512', username, password },
    logLevel: logLevel.WARN,
    connectionTimeout: 10000,
    requestTimeout: 30000,
    retry: { retries },
  });
}

async function roundTrip(kafka, topic, group, count) {
  const admin = kafka.admin();
  await admin.connect();
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: 3, replicationFactor: 3 }],
    waitForLeaders: true,
  });
  const topics = (await admin.listTopics()).sort();

  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < count; i++) {
    messages.push({ key: `k${i}`, value: `kafkajs-${i}` });
  }
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: group });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values = [];
  await new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`consumed ${values.length} of ${count} records within `
        + `${CONSUME_WITHIN_MS} ms: ${JSON.stringify(values)}`)), CONSUME_WITHIN_MS);
    consumer.run({
      autoCommitThreshold: 1,
      eachMessage: async ({ message }) => {
        values.push(message.value.toString());
        if (values.length >= count) {
          clearTimeout(deadline);
          resolve();
        }
      },
    }).catch(reject);
  });
  await consumer.disconnect(); // commits what was consumed
  const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  await admin.disconnect();
  return { created, topics, values: values.sort(), offsets };
}

async function login(kafka) {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = await admin.listTopics();
    return { topics };
  } catch (e) {
    return { error: e.name, message: e.message };
  } finally {
    await admin.disconnect();
  }
}

async function main() {
  const [command, bootstrap, caFile, username, password, ...rest] = process.argv.slice(2);
  let result;
  if (command === 'round-trip') {
    const [topic, group, count] = rest;
    result = await roundTrip(client(bootstrap, caFile, username, password, 10), topic, group, Number(count));
  } else if (command === 'login') {
    result = await login(client(bootstrap, caFile, username, password, 0));
  } else {
    throw new Error(`unknown command ${command}`);
  }
  console.log(JSON.stringify(result));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

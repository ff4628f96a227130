"""Reference values for the one-cycle policy, from keras-one-cycle's own clr.py.

Re-run (any Python 3 with numpy; clr.py is read from a checkout of titu1994/keras-one-cycle, commit
06c202996d71491e624ddef53a57858152e93564, and is not part of this repository):

    git clone https://github.com/titu1994/keras-one-cycle /tmp/keras-one-cycle
    /usr/bin/python3 scripts/reference/keras_one_cycle.py /tmp/keras-one-cycle/clr.py \
        > src/schedules/fixtures/keras-one-cycle.json

clr.py is copied into a temporary directory next to a minimal stand-in for the two Keras modules it imports
(keras.callbacks.Callback, and keras.backend's set_value / get_value on a mutable holder), so the callback's own
code runs unchanged without Keras or TensorFlow. The script then calls the callback the way Keras fit does:
set_model, set_params (epochs, steps, samples, batch_size), on_train_begin, and per epoch on_epoch_begin,
per batch on_batch_begin / on_batch_end, then on_epoch_end. Just before each on_batch_end it records the
optimizer's lr and momentum: the values that batch trains with.

Two ways Keras fills params are covered: steps known (fit_generator, tf.keras: steps = ceil(samples /
batch_size)), where clr.py's cycle is the run's length; and old Keras fit on arrays (steps None), where clr.py
sizes the cycle as (epochs + 1) * samples // batch_size when batch_size does not divide samples, so the run
stops short of the cycle's end or wraps past it. Each case records that cycle length (the callback's
num_iterations) as totalIterations, the number to give makeSchedule.

One deliberate difference from running under Keras: the stand-in keeps the lr and momentum as Python floats,
where Keras stores them in float32 variables (a relative rounding of about 6e-8); the fixture checks the
schedule's arithmetic, to 1e-9.
"""
import hashlib
import importlib
import json
import math
import os
import sys
import tempfile

KERAS_STUB = {
    'keras/__init__.py': '',
    'keras/callbacks.py': '''
class Callback:
    def __init__(self):
        self.model = None
        self.params = None

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass
''',
    'keras/backend.py': '''
def set_value(variable, value):
    variable.value = value


def get_value(variable):
    return variable.value
''',
}


class Variable:
    def __init__(self, value):
        self.value = value


class Optimizer:
    """The two attributes of Keras SGD that clr.py touches."""

    def __init__(self):
        self.lr = Variable(0.01)
        self.momentum = Variable(0.0)


class Model:
    def __init__(self):
        self.optimizer = Optimizer()


def load_clr(path):
    with tempfile.TemporaryDirectory(prefix='keras-one-cycle-') as directory:
        for name, text in KERAS_STUB.items():
            os.makedirs(os.path.join(directory, os.path.dirname(name)), exist_ok=True)
            with open(os.path.join(directory, name), 'w') as out:
                out.write(text)
        with open(path, 'rb') as source, open(os.path.join(directory, 'clr.py'), 'wb') as copy:
            copy.write(source.read())
        sys.path.insert(0, directory)
        try:
            return importlib.import_module('clr')
        finally:
            sys.path.remove(directory)


def fit(clr, samples, batch_size, epochs, steps_known, max_lr, end_percentage=0.1, scale_percentage=None,
        maximum_momentum=0.95, minimum_momentum=0.85):
    callback = clr.OneCycleLR(samples, batch_size, max_lr, end_percentage=end_percentage,
                              scale_percentage=scale_percentage, maximum_momentum=maximum_momentum,
                              minimum_momentum=minimum_momentum, verbose=False)
    model = Model()
    batches_per_epoch = math.ceil(samples / batch_size)
    callback.set_model(model)
    callback.set_params({'batch_size': batch_size, 'epochs': epochs, 'samples': samples,
                         'steps': batches_per_epoch if steps_known else None, 'verbose': 0})
    callback.on_train_begin()
    lrs, momenta = [], []
    for epoch in range(epochs):
        callback.on_epoch_begin(epoch)
        for batch in range(batches_per_epoch):
            callback.on_batch_begin(batch)
            lrs.append(model.optimizer.lr.value)
            momenta.append(model.optimizer.momentum.value)
            callback.on_batch_end(batch, {'loss': 1.0})
        callback.on_epoch_end(epoch)
    keras = {'samples': samples, 'batch_size': batch_size, 'epochs': epochs, 'steps_known': steps_known,
             'max_lr': max_lr, 'end_percentage': end_percentage, 'scale_percentage': scale_percentage,
             'maximum_momentum': maximum_momentum, 'minimum_momentum': minimum_momentum}
    policy = {'name': 'one-cycle', 'maxLr': max_lr, 'endPercentage': end_percentage,
              'scalePercentage': scale_percentage, 'maxMomentum': maximum_momentum, 'minMomentum': minimum_momentum}
    return {'keras': keras, 'policy': policy, 'totalIterations': callback.num_iterations, 'lr': lrs, 'momentum': momenta}


def main():
    clr_path = sys.argv[1]
    clr = load_clr(clr_path)
    with open(clr_path, 'rb') as source:
        digest = hashlib.sha256(source.read()).hexdigest()
    runs = [
        ('steps known, 1000 samples / 64, 5 epochs, defaults', dict(samples=1000, batch_size=64, epochs=5, steps_known=True, max_lr=0.1)),
        ('steps known, end 0.2, scale 0.15', dict(samples=1000, batch_size=64, epochs=5, steps_known=True, max_lr=0.4,
                                                 end_percentage=0.2, scale_percentage=0.15)),
        ('steps known, end 0.05, scale 0.3, momentum 0.8..0.9', dict(samples=640, batch_size=32, epochs=3, steps_known=True,
                                                                   max_lr=0.02, end_percentage=0.05, scale_percentage=0.3,
                                                                   maximum_momentum=0.9, minimum_momentum=0.8)),
        ('steps known, end 0, scale 0.1, odd cycle', dict(samples=7 * 16, batch_size=16, epochs=3, steps_known=True, max_lr=0.1,
                                                          end_percentage=0.0, scale_percentage=0.1)),
        ('steps known, 50000 samples / 128, 3 epochs (CIFAR-10)', dict(samples=50000, batch_size=128, epochs=3, steps_known=True,
                                                                     max_lr=0.4)),
        ('arrays, 1000 samples / 64, 5 epochs: run stops before the cycle ends',
         dict(samples=1000, batch_size=64, epochs=5, steps_known=False, max_lr=0.1)),
        ('arrays, 100 samples / 64, 10 epochs: run wraps past the cycle',
         dict(samples=100, batch_size=64, epochs=10, steps_known=False, max_lr=0.3, end_percentage=0.2)),
        ('arrays, 1024 samples / 64, 4 epochs: batch size divides samples',
         dict(samples=1024, batch_size=64, epochs=4, steps_known=False, max_lr=0.05, scale_percentage=0.2)),
    ]
    cases = [{'label': label, **fit(clr, **run)} for label, run in runs]
    json.dump({'reference': f'titu1994/keras-one-cycle clr.py OneCycleLR (sha256 {digest})',
               'generator': 'scripts/reference/keras_one_cycle.py', 'cases': cases}, sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
